/** CORS for every route: any origin may call the API and the tracking links (no cookies are used). */
export const CORS_OPTIONS = {
  origin: "*",
  methods: ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
  allowedHeaders: ["Content-Type", "x-api-key", "apikey", "x-request-id", "If-None-Match"],
  exposedHeaders: ["x-request-id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "ETag"],
  maxAge: 86_400,
};

/**
 * A redirect's CORS: `Access-Control-Allow-Origin` only. A script never reads a redirect's headers
 * (fetch follows it, or gets an opaque answer with redirect: "manual"), so the list of exposed
 * headers would only lengthen the answer of the busiest route.
 */
export const REDIRECT_EXPOSES_NO_HEADERS = "access-control-expose-headers";
