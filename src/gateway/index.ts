/** The HTTP gateway: REST API over lifecycles, the interview's signed finish link, health, OpenAPI. */
export { buildGateway, startGateway, type GatewayOptions, type RunningGateway } from './gateway';
export { GatewayError, type ErrorBody, type GatewayErrorCode, type Problem } from './errors';
export { FinishLinkSigner, type FinishLink } from './finish-links';
export type { GatewayLogOptions } from './logging';
