/**
 * The viewer-request CloudFront Function of the storefront's `/api/*` behaviour (cloudfront-js-2.0):
 * it drops the viewer's `X-Amzn-Trace-Id`. API Gateway honours the sampling decision of a trace
 * header it receives, so a client sending `Sampled=1` would have every one of its requests recorded
 * by X-Ray (and the service and the pipeline after it), at the account's cost and under a trace id
 * of the client's choosing. Without the header API Gateway starts the trace itself and its sampling
 * rules decide (ADR 22); the service only continues the trace API Gateway sends.
 */
export const API_REQUEST_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  delete request.headers['x-amzn-trace-id'];
  return request;
}
`;
