declare const STAX_VERSION: string | undefined;

/** The package's version, put in by the build (a run from the sources says 0.0.0-dev). */
export const VERSION = typeof STAX_VERSION === "string" ? STAX_VERSION : "0.0.0-dev";
