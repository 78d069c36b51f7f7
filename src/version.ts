// The package version, kept in one place (tests check it matches package.json).
export const VERSION = '0.1.0';
