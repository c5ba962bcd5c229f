import { describe, expect, it } from "vitest";
import {
  cityKey,
  communesByPostalCode,
  findCommune,
  findCommuneByCode,
  findDepartment,
  haversineKm,
  isCountryCode,
  isKnownPostalCode,
  listCommunesWithCoordinates,
  listDepartments,
  normalizeAddress,
  normalizeCountry,
  normalizeFrenchPostalCode,
  preloadPlaces,
} from "../../src/places/index.ts";
import { readFrenchGeoNamesTowns, readThroughPackage } from "../../src/places/geonames.ts";

const PARIS = { lat: 48.85341, lon: 2.3488 };

describe("normalizeCountry / isCountryCode", () => {
  it("maps codes and French/English names to ISO alpha-2", () => {
    expect(normalizeCountry("FR")).toBe("FR");
    expect(normalizeCountry("fr")).toBe("FR");
    expect(normalizeCountry("France")).toBe("FR");
    expect(normalizeCountry("france")).toBe("FR");
    expect(normalizeCountry(" FRANCE ")).toBe("FR");
    expect(normalizeCountry("République française")).toBe("FR");
    expect(normalizeCountry("FRA")).toBe("FR");
    expect(normalizeCountry("Belgique")).toBe("BE");
    expect(normalizeCountry("Belgium")).toBe("BE");
    expect(normalizeCountry("BE")).toBe("BE");
    expect(normalizeCountry("Etats-Unis")).toBe("US");
    expect(normalizeCountry("Côte d'Ivoire")).toBe("CI");
  });

  it("returns unknown text trimmed and unchanged, and null for empty input", () => {
    expect(normalizeCountry("  Narnia ")).toBe("Narnia");
    expect(normalizeCountry("")).toBeNull();
    expect(normalizeCountry("   ")).toBeNull();
    expect(normalizeCountry(null)).toBeNull();
    expect(normalizeCountry(undefined)).toBeNull();
  });

  it("knows the ISO 3166-1 alpha-2 list", () => {
    expect(isCountryCode("FR")).toBe(true);
    expect(isCountryCode("BE")).toBe(true);
    expect(isCountryCode("GP")).toBe(true);
    expect(isCountryCode("XX")).toBe(false);
    expect(isCountryCode("fr")).toBe(false);
    expect(isCountryCode("France")).toBe(false);
  });
});

describe("reference index", () => {
  it("loads departments, communes and postal codes", () => {
    const stats = preloadPlaces();
    expect(stats.departments).toBeGreaterThanOrEqual(101);
    expect(stats.communes).toBeGreaterThan(34_000);
    expect(stats.postalCodes).toBeGreaterThan(6_000);
    expect(stats.communesWithCoordinates).toBeGreaterThan(8_000);
  });

  it("has Corsica and overseas departments with their regions", () => {
    expect(findDepartment("2A")).toEqual({ code: "2A", name: "Corse-du-Sud", regionCode: "94", regionName: "Corse" });
    expect(findDepartment("2b")?.name).toBe("Haute-Corse");
    expect(findDepartment("1")?.name).toBe("Ain");
    expect(findDepartment("974")).toMatchObject({ name: "La Réunion", regionName: "La Réunion" });
    expect(findDepartment("976")?.name).toBe("Mayotte");
    expect(findDepartment("988")?.name).toBe("Nouvelle-Calédonie");
    expect(findDepartment("20")).toBeNull();
    const codes = listDepartments().map((d) => d.code);
    for (const code of ["01", "2A", "2B", "95", "971", "972", "973", "974", "976"]) expect(codes).toContain(code);
  });

  it("resolves arrondissement postal codes to the city with coordinates", () => {
    for (const postalCode of ["75001", "75020"]) {
      const paris = findCommune({ postalCode });
      expect(paris).toMatchObject({ code: "75056", name: "Paris", departmentCode: "75", ...PARIS });
    }
    expect(findCommune({ postalCode: "69003" })).toMatchObject({ code: "69123", name: "Lyon", departmentCode: "69" });
    expect(findCommune({ postalCode: "69003" })?.lat).toBeCloseTo(45.75, 1);
    expect(findCommune({ postalCode: "13008" })).toMatchObject({ code: "13055", name: "Marseille", departmentCode: "13" });
    expect(findCommune({ postalCode: "13008" })?.lon).toBeCloseTo(5.38, 1);
    expect(findCommuneByCode("75103")?.name).toBe("Paris");
    expect(communesByPostalCode("75003").map((c) => c.name)).toEqual(["Paris"]);
  });

  it("matches city names regardless of accents, case, abbreviations and arrondissements", () => {
    expect(cityKey("Saint-Étienne")).toBe(cityKey("saint etienne"));
    expect(cityKey("ST ETIENNE CEDEX 2")).toBe("saint etienne");
    expect(findCommune({ city: "saint etienne" })).toMatchObject({ code: "42218", name: "Saint-Étienne" });
    expect(findCommune({ city: "Paris 3e Arrondissement" })?.code).toBe("75056");
    // 01000 serves Bourg-en-Bresse and Saint-Denis-lès-Bourg: the city picks the right one.
    expect(findCommune({ postalCode: "01000", city: "saint denis les bourg" })?.code).toBe("01344");
    expect(findCommune({ postalCode: "01000" })?.code).toBe("01053");
    // An unknown (CEDEX) postal code still finds the city within the implied department.
    expect(findCommune({ postalCode: "42029", city: "Saint-Etienne Cedex 1" })?.code).toBe("42218");
    expect(findCommune({ postalCode: "99999" })).toBeNull();
  });

  it("lists located communes across France, Corsica and overseas", () => {
    const located = listCommunesWithCoordinates();
    const departments = new Set(located.map((c) => c.departmentCode));
    expect(departments.size).toBeGreaterThan(100);
    for (const code of ["2A", "2B", "971", "972", "973", "974", "976"]) expect(departments).toContain(code);
    const lyon = located.find((c) => c.code === "69123");
    expect(lyon?.population).toBeGreaterThan(400_000);
    expect(located.every((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon))).toBe(true);
  });
});

describe("GeoNames towns", () => {
  it("decodes the package's data file exactly like the package does", () => {
    const fast = readFrenchGeoNamesTowns();
    const reference = readThroughPackage();
    expect(fast.length).toBeGreaterThan(8_000);
    expect(fast).toEqual(reference);
    expect(fast.find((t) => t.muniSub === "69123" && t.name === "Lyon")).toMatchObject({ country: "FR", lat: 45.74846, lon: 4.84671 });
  });
});

describe("normalizeFrenchPostalCode", () => {
  it("keeps or restores leading zeros", () => {
    expect(normalizeFrenchPostalCode(1000)).toBe("01000");
    expect(normalizeFrenchPostalCode("1000")).toBe("01000");
    expect(normalizeFrenchPostalCode("01000")).toBe("01000");
    expect(normalizeFrenchPostalCode(" 75 003 ")).toBe("75003");
    expect(normalizeFrenchPostalCode("75700 CEDEX 07")).toBe("75700");
    expect(normalizeFrenchPostalCode("abc")).toBeNull();
    expect(normalizeFrenchPostalCode("")).toBeNull();
    expect(isKnownPostalCode(1000)).toBe(true);
    expect(isKnownPostalCode("99999")).toBe(false);
  });
});

describe("normalizeAddress", () => {
  it("Paris 75001 and 75020", () => {
    const first = normalizeAddress({ street: " 1 rue de Rivoli ", postalCode: "75001", city: "Paris", country: "FR" });
    expect(first).toEqual({
      street: "1 rue de Rivoli",
      postalCode: "75001",
      city: "Paris",
      departmentCode: "75",
      departmentName: "Paris",
      region: "Île-de-France",
      country: "FR",
      ...PARIS,
      geolocStatus: "ENRICHED_BY_API",
    });
    const last = normalizeAddress({ postalCode: "75020", city: "PARIS 20E ARRONDISSEMENT", country: "FR" });
    expect(last).toMatchObject({ postalCode: "75020", departmentCode: "75", region: "Île-de-France", ...PARIS });
    expect(last.city).toBe("PARIS 20E ARRONDISSEMENT");
  });

  it("Lyon 69003 and Marseille 13008", () => {
    const lyon = normalizeAddress({ postalCode: "69003", city: "Lyon", country: "FR" });
    expect(lyon).toMatchObject({ departmentCode: "69", departmentName: "Rhône", region: "Auvergne-Rhône-Alpes" });
    expect(lyon.geolocStatus).toBe("ENRICHED_BY_API");
    expect(haversineKm({ lat: lyon.lat!, lon: lyon.lon! }, { lat: 45.764, lon: 4.8357 })).toBeLessThan(5);
    const marseille = normalizeAddress({ postalCode: "13008", city: "Marseille", country: "FR" });
    expect(marseille).toMatchObject({ departmentCode: "13", departmentName: "Bouches-du-Rhône", region: "Provence-Alpes-Côte d'Azur" });
    expect(haversineKm({ lat: marseille.lat!, lon: marseille.lon! }, { lat: 43.2965, lon: 5.3698 })).toBeLessThan(5);
  });

  it("Bourg-en-Bresse 01000 keeps its leading zero", () => {
    const address = normalizeAddress({ postalCode: "01000", city: "Bourg-en-Bresse", country: "France" });
    expect(address).toMatchObject({
      postalCode: "01000",
      departmentCode: "01",
      departmentName: "Ain",
      region: "Auvergne-Rhône-Alpes",
      country: "FR",
      geolocStatus: "ENRICHED_BY_API",
    });
    expect(address.lat).toBeCloseTo(46.2, 1);
  });

  it("numeric postal code 1000 becomes 01000", () => {
    const address = normalizeAddress({ postalCode: 1000, city: "Bourg-en-Bresse", country: "FR" });
    expect(address.postalCode).toBe("01000");
    expect(address.departmentCode).toBe("01");
  });

  it("Corsica: 20000 Ajaccio → 2A, 20200 Bastia → 2B", () => {
    const ajaccio = normalizeAddress({ postalCode: "20000", city: "Ajaccio", country: "FR" });
    expect(ajaccio).toMatchObject({ departmentCode: "2A", departmentName: "Corse-du-Sud", region: "Corse" });
    expect(ajaccio.lat).toBeCloseTo(41.92, 1);
    const bastia = normalizeAddress({ postalCode: "20200", city: "Bastia", country: "FR" });
    expect(bastia).toMatchObject({ departmentCode: "2B", departmentName: "Haute-Corse", region: "Corse" });
    expect(bastia.lon).toBeCloseTo(9.45, 1);
  });

  it("overseas: Saint-Denis 97400, Pointe-à-Pitre 97110, Cayenne 97300", () => {
    const reunion = normalizeAddress({ postalCode: "97400", city: "Saint-Denis", country: "FR" });
    expect(reunion).toMatchObject({ departmentCode: "974", departmentName: "La Réunion", region: "La Réunion" });
    expect(reunion.lat).toBeCloseTo(-20.88, 1);
    const guadeloupe = normalizeAddress({ postalCode: "97110", city: "Pointe-à-Pitre", country: "FR" });
    expect(guadeloupe).toMatchObject({ departmentCode: "971", departmentName: "Guadeloupe", region: "Guadeloupe" });
    expect(guadeloupe.lon).toBeCloseTo(-61.54, 1);
    const guyane = normalizeAddress({ postalCode: "97300", city: "Cayenne", country: "FR" });
    expect(guyane).toMatchObject({ departmentCode: "973", departmentName: "Guyane", geolocStatus: "ENRICHED_BY_API" });
    expect(guyane.lat).toBeCloseTo(4.93, 1);
  });

  it("treats overseas ISO codes as France", () => {
    const address = normalizeAddress({ postalCode: "97400", city: "Saint-Denis", country: "Réunion" });
    expect(address.country).toBe("FR");
    expect(address.departmentCode).toBe("974");
  });

  it("department and region come from the reference data, not the caller's spelling", () => {
    const address = normalizeAddress({
      postalCode: "13008",
      departmentCode: "13",
      departmentName: "bouches du rhone",
      region: "PACA",
      country: "FR",
    });
    expect(address.departmentName).toBe("Bouches-du-Rhône");
    expect(address.region).toBe("Provence-Alpes-Côte d'Azur");
    expect(address.city).toBe("Marseille");
  });

  it("assumes France when the country is missing and the 5-digit postal code is French", () => {
    const address = normalizeAddress({ postalCode: "69003", city: "Lyon" });
    expect(address.country).toBe("FR");
    expect(address.departmentCode).toBe("69");
    // 4 digits could be Belgian or Swiss: no guess.
    const brussels = normalizeAddress({ postalCode: "1000", city: "Bruxelles" });
    expect(brussels).toMatchObject({ country: null, postalCode: "1000", departmentCode: null, geolocStatus: "NOT_FOUND" });
    expect(normalizeAddress({ postalCode: "1000" }).country).toBeNull();
  });

  it("assumes France when the country is missing and the place is a French commune", () => {
    // A spreadsheet lost the leading zero: the city says which department it was.
    const bourg = normalizeAddress({ postalCode: 1000, city: "Bourg-en-Bresse" });
    expect(bourg).toMatchObject({ country: "FR", postalCode: "01000", departmentCode: "01", departmentName: "Ain", geolocStatus: "ENRICHED_BY_API" });
    expect(normalizeAddress({ postalCode: "6000", city: "Nice" })).toMatchObject({ country: "FR", postalCode: "06000", departmentCode: "06" });
    // A city alone, no postal code.
    const lyon = normalizeAddress({ city: "Lyon" });
    expect(lyon).toMatchObject({ country: "FR", departmentCode: "69", region: "Auvergne-Rhône-Alpes", geolocStatus: "ENRICHED_BY_API" });
    expect(lyon.postalCode).toBeNull();
    expect(normalizeAddress({ city: "Ajaccio" })).toMatchObject({ country: "FR", departmentCode: "2A" });
    expect(normalizeAddress({ city: "London" })).toMatchObject({ country: null, departmentCode: null, geolocStatus: "NOT_FOUND" });
  });

  it("keeps the publisher's location and ignores an invalid one", () => {
    const kept = normalizeAddress({ postalCode: "75008", city: "Paris", country: "FR", location: { lat: 48.8738, lon: 2.295 } });
    expect(kept).toMatchObject({ lat: 48.8738, lon: 2.295, geolocStatus: "ENRICHED_BY_PUBLISHER", departmentCode: "75" });
    const invalid = normalizeAddress({ postalCode: "75008", city: "Paris", country: "FR", location: { lat: 123, lon: 2.3 } });
    expect(invalid).toMatchObject({ ...PARIS, geolocStatus: "ENRICHED_BY_API" });
    const notFinite = normalizeAddress({ city: "Nowhere", country: "FR", location: { lat: Number.NaN, lon: 2 } });
    expect(notFinite).toMatchObject({ lat: null, lon: null, geolocStatus: "NOT_FOUND" });
    const outOfRange = normalizeAddress({ city: "Nowhere", country: "FR", location: { lat: 45, lon: 181 } });
    expect(outOfRange.lon).toBeNull();
  });

  it("unknown postal code → NOT_FOUND without throwing", () => {
    const address = normalizeAddress({ postalCode: "99999", city: "Nulle-Part", country: "FR" });
    expect(address).toEqual({
      street: null,
      postalCode: "99999",
      city: "Nulle-Part",
      departmentCode: null,
      departmentName: null,
      region: null,
      country: "FR",
      lat: null,
      lon: null,
      geolocStatus: "NOT_FOUND",
    });
  });

  it("a tiny commune without coordinates still gets its department and region", () => {
    const address = normalizeAddress({ postalCode: "01400", city: "L'Abergement-Clémenciat", country: "FR" });
    expect(address).toMatchObject({
      postalCode: "01400",
      city: "L'Abergement-Clémenciat",
      departmentCode: "01",
      departmentName: "Ain",
      region: "Auvergne-Rhône-Alpes",
      lat: null,
      lon: null,
      geolocStatus: "NOT_FOUND",
    });
  });

  it("leaves a non-French address untouched except trimming and the country code", () => {
    const address = normalizeAddress({
      street: " Rue de la Loi 16 ",
      postalCode: "1000",
      city: " Bruxelles ",
      departmentCode: "BRU",
      departmentName: "Bruxelles-Capitale",
      region: "Région de Bruxelles-Capitale",
      country: "Belgique",
    });
    expect(address).toEqual({
      street: "Rue de la Loi 16",
      postalCode: "1000",
      city: "Bruxelles",
      departmentCode: "BRU",
      departmentName: "Bruxelles-Capitale",
      region: "Région de Bruxelles-Capitale",
      country: "BE",
      lat: null,
      lon: null,
      geolocStatus: "NOT_FOUND",
    });
    const located = normalizeAddress({ city: "Genève", country: "CH", location: { lat: 46.2044, lon: 6.1432 } });
    expect(located).toMatchObject({ country: "CH", lat: 46.2044, lon: 6.1432, geolocStatus: "ENRICHED_BY_PUBLISHER" });
  });

  it("empty address → NO_DATA", () => {
    const address = normalizeAddress({ street: "  ", postalCode: "", city: "", country: "" });
    expect(address).toEqual({
      street: null,
      postalCode: null,
      city: null,
      departmentCode: null,
      departmentName: null,
      region: null,
      country: null,
      lat: null,
      lon: null,
      geolocStatus: "NO_DATA",
    });
    expect(normalizeAddress({}).geolocStatus).toBe("NO_DATA");
  });
});

describe("haversineKm", () => {
  it("computes great-circle distances with R = 6371 km", () => {
    expect(haversineKm(PARIS, PARIS)).toBe(0);
    // Paris – Lyon is about 392 km as the crow flies.
    expect(haversineKm(PARIS, { lat: 45.764, lon: 4.8357 })).toBeCloseTo(392, -1);
    // A quarter of a meridian: pi/2 * R.
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 90, lon: 0 })).toBeCloseTo((Math.PI / 2) * 6371, 6);
  });
});
