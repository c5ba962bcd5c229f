/**
 * Places: offline French reference data (departments, regions, communes, postal codes, town
 * coordinates), country codes and address normalisation. Import from here.
 */
export { normalizeAddress, type AddressInput, type GeolocStatus, type NormalizedAddress } from "./address.ts";
export {
  communesByName,
  communesByPostalCode,
  findCommune,
  findCommuneByCode,
  findDepartment,
  findDepartmentByName,
  isKnownPostalCode,
  listCommunesWithCoordinates,
  listDepartments,
  normalizeDepartmentCode,
  preloadPlaces,
  type Commune,
  type CommuneQuery,
  type Department,
  type LocatedCommune,
  type PlacesIndexStats,
} from "./communes.ts";
export { isCountryCode, normalizeCountry } from "./countries.ts";
export { EARTH_RADIUS_KM, haversineKm, isValidLatLon, type LatLon } from "./geo.ts";
export { departmentCodeFromPostalCodeSyntax, normalizeFrenchPostalCode } from "./postal-code.ts";
export { cityKey, foldText } from "./text.ts";
