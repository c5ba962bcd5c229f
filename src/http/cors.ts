/** CORS for every route: any origin may call the API and the tracking links (no cookies are used). */
export const CORS_OPTIONS = {
  origin: "*",
  methods: ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
  allowedHeaders: ["Content-Type", "x-api-key", "apikey", "x-request-id", "If-None-Match"],
  exposedHeaders: ["x-request-id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "ETag"],
  maxAge: 86_400,
};

/** The CORS headers of a simple (non-preflight) answer, for the answers written without Fastify. */
export const SIMPLE_CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": CORS_OPTIONS.exposedHeaders.join(", "),
} as const;
