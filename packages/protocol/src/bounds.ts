// Plain constants, no schema: a client imports them without bundling typebox (the package is
// marked free of side effects, so a bundler keeps only what is used).

/**
 * Longest caption on an image, file or video message, in characters (code points). The server
 * also sends it as `Limits.maxCaptionLength`; clients use this until the limits arrive.
 */
export const CAPTION_MAX_CHARS = 1024
