/**
 * French grammar helpers for generated text: prepositions before a city name.
 * "à" + "Le Havre" → "au Havre", "de" + "Angers" → "d'Angers", "à" + "Les Abymes" → "aux Abymes".
 */

const VOWEL_START = /^[aeiouyàâäéèêëîïôöùûüœ]/i;

/** "à Lyon", "au Havre", "aux Abymes", "à La Rochelle", "à L'Isle-Adam". */
export function inCity(city: string): string {
  if (city.startsWith("Le ")) return `au ${city.slice(3)}`;
  if (city.startsWith("Les ")) return `aux ${city.slice(4)}`;
  return `à ${city}`;
}

/** "de Lyon", "du Havre", "des Abymes", "de La Rochelle", "d'Angers". */
export function ofCity(city: string): string {
  if (city.startsWith("Le ")) return `du ${city.slice(3)}`;
  if (city.startsWith("Les ")) return `des ${city.slice(4)}`;
  if (VOWEL_START.test(city)) return `d'${city}`;
  return `de ${city}`;
}

/** Replaces `{city}`, `{à}` (inCity) and `{de}` (ofCity) placeholders. */
export function fillCity(template: string, city: string): string {
  return template.replaceAll("{à}", inCity(city)).replaceAll("{de}", ofCity(city)).replaceAll("{city}", city);
}

/** Upper-cases the first letter. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
