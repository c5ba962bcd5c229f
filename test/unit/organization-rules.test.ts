import { describe, it, expect } from "vitest";
import {
  deriveOrganizationClientId,
  hasLuhnChecksum,
  isValidSiren,
  isValidSiret,
  normalizeRna,
  normalizeSiren,
  organizationIdentifiers,
  slugify,
} from "../../src/missions/rules/organization.ts";

describe("normalizeRna", () => {
  it("upper-cases and keeps only alphanumerics", () => {
    expect(normalizeRna("w751234567")).toBe("W751234567");
    expect(normalizeRna(" W75-123 456.7 ")).toBe("W751234567");
  });

  it("keeps zeros and letters after the W", () => {
    expect(normalizeRna("W012000345")).toBe("W012000345");
    expect(normalizeRna("W2A1000123")).toBe("W2A1000123");
  });

  it("rejects values that are not W + 9 characters", () => {
    expect(normalizeRna("W75123456")).toBeNull();
    expect(normalizeRna("W7512345678")).toBeNull();
    expect(normalizeRna("751234567")).toBeNull();
    expect(normalizeRna("X751234567")).toBeNull();
    expect(normalizeRna("")).toBeNull();
    expect(normalizeRna(null)).toBeNull();
    expect(normalizeRna(undefined)).toBeNull();
  });
});

describe("normalizeSiren", () => {
  it("reads a 9-digit value as a SIREN, keeping leading zeros", () => {
    expect(normalizeSiren("012345678")).toEqual({ siren: "012345678", siret: null });
    expect(normalizeSiren("012 345 678")).toEqual({ siren: "012345678", siret: null });
  });

  it("reads a 14-digit value as a SIRET and its first 9 digits as the SIREN", () => {
    expect(normalizeSiren("00123456700018")).toEqual({ siren: "001234567", siret: "00123456700018" });
    expect(normalizeSiren("001 234 567 00018")).toEqual({ siren: "001234567", siret: "00123456700018" });
  });

  it("rejects other lengths, including numbers that lost their leading zero", () => {
    expect(normalizeSiren(12345678)).toEqual({ siren: null, siret: null });
    expect(normalizeSiren(123456789)).toEqual({ siren: "123456789", siret: null });
    expect(normalizeSiren("1234567890")).toEqual({ siren: null, siret: null });
    expect(normalizeSiren("")).toEqual({ siren: null, siret: null });
    expect(normalizeSiren(null)).toEqual({ siren: null, siret: null });
  });
});

describe("isValidSiren / isValidSiret / hasLuhnChecksum", () => {
  it("checks length and digits on strings", () => {
    expect(isValidSiren("012345678")).toBe(true);
    expect(isValidSiren("01234567")).toBe(false);
    expect(isValidSiren("01234567A")).toBe(false);
    expect(isValidSiren(12345678)).toBe(false);
    expect(isValidSiret("00123456700018")).toBe(true);
    expect(isValidSiret("0012345670001")).toBe(false);
    expect(isValidSiret("001234567 00018")).toBe(false);
  });

  it("computes the INSEE Luhn key without requiring it", () => {
    expect(hasLuhnChecksum("732829320")).toBe(true);
    expect(hasLuhnChecksum("73282932000074")).toBe(true);
    expect(hasLuhnChecksum("732829321")).toBe(false);
    expect(isValidSiren("732829321")).toBe(true);
    expect(hasLuhnChecksum("12a")).toBe(false);
  });
});

describe("slugify", () => {
  it("lower-cases, removes accents and ligatures, joins words with dashes", () => {
    expect(slugify("  Les Restos du Cœur ! ")).toBe("les-restos-du-coeur");
    expect(slugify("Association d'Éducation Populaire")).toBe("association-d-education-populaire");
    expect(slugify("---")).toBe("");
  });
});

describe("organizationIdentifiers", () => {
  it("takes the SIRET from either field and the SIREN from either field", () => {
    expect(organizationIdentifiers({ organizationSiren: "00123456700018" })).toEqual({
      rna: null,
      siren: "001234567",
      siret: "00123456700018",
    });
    expect(organizationIdentifiers({ organizationSiret: "012345678", organizationRNA: "w012345678" })).toEqual({
      rna: "W012345678",
      siren: "012345678",
      siret: null,
    });
  });
});

describe("deriveOrganizationClientId", () => {
  const all = {
    organizationClientId: "ORG-42",
    organizationId: "legacy-7",
    organizationRNA: "w012345678",
    organizationSiret: "00123456700018",
    organizationSiren: "098765432",
    organizationName: "Asso Exemple",
  };

  it("follows the order clientId → organizationId → RNA → SIRET → SIREN → slug of the name", () => {
    expect(deriveOrganizationClientId(all)).toBe("ORG-42");
    expect(deriveOrganizationClientId({ ...all, organizationClientId: null })).toBe("legacy-7");
    expect(deriveOrganizationClientId({ ...all, organizationClientId: null, organizationId: "" })).toBe("W012345678");
    expect(
      deriveOrganizationClientId({ ...all, organizationClientId: null, organizationId: null, organizationRNA: null }),
    ).toBe("00123456700018");
    expect(
      deriveOrganizationClientId({
        ...all,
        organizationClientId: null,
        organizationId: null,
        organizationRNA: null,
        organizationSiret: null,
      }),
    ).toBe("098765432");
    expect(deriveOrganizationClientId({ organizationName: "Asso Exemple" })).toBe("asso-exemple");
  });

  it("skips invalid identifiers", () => {
    expect(
      deriveOrganizationClientId({
        organizationRNA: "W123",
        organizationSiret: "123",
        organizationSiren: "12345678",
        organizationName: "Éco Quartier",
      }),
    ).toBe("eco-quartier");
  });

  it("uses a 14-digit organizationSiren as the SIRET", () => {
    expect(deriveOrganizationClientId({ organizationSiren: "00123456700018" })).toBe("00123456700018");
  });

  it("trims explicit ids and reads numeric ones as strings", () => {
    expect(deriveOrganizationClientId({ organizationClientId: "  ORG-1 " })).toBe("ORG-1");
    expect(deriveOrganizationClientId({ organizationClientId: 42 })).toBe("42");
    expect(deriveOrganizationClientId({ organizationClientId: "   ", organizationName: "X Y" })).toBe("x-y");
  });

  it("gives null when nothing identifies the organisation", () => {
    expect(deriveOrganizationClientId({})).toBeNull();
    expect(deriveOrganizationClientId({ organizationName: "!!!" })).toBeNull();
    expect(deriveOrganizationClientId({ organizationName: null, organizationSiren: "abc" })).toBeNull();
  });
});
