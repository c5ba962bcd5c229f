/** A size in bytes as the annonceur reads it: "236,4 Mio", "12 Kio", "512 octets". */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "Gio"],
    [1024 ** 2, "Mio"],
    [1024, "Kio"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1)).toLocaleString("fr-FR")} ${unit}`;
  }
  return `${bytes} octets`;
}
