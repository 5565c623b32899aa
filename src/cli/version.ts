declare const STAX_VERSION: string | undefined;
declare const STAX_BUILD: string | undefined;

/** The package's version, put in by the build (a run from the sources says 0.0.0-dev). */
export const VERSION = typeof STAX_VERSION === "string" ? STAX_VERSION : "0.0.0-dev";

/** A hash of the sources and locked dependencies the bundle was built from; undefined from the sources. */
export const BUILD = typeof STAX_BUILD === "string" ? STAX_BUILD : undefined;
