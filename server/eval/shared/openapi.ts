/** OpenAPI security requirement of every `/v1` route: a bearer token. */
export const BEARER = [{ bearer: [] }];
