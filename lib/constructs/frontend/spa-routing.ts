/**
 * The viewer-request CloudFront Function of the storefront's default behaviour (cloudfront-js-2.0):
 * a path whose last segment has no file extension is a route of the single-page app and gets
 * `/index.html`; files are served as they are. It runs on the default behaviour only, so API
 * responses (the `/api/*` behaviour), including their errors, are never rewritten — unlike
 * distribution-wide custom error pages.
 */
export const SPA_ROUTING_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`;
