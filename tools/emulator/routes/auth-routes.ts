import type { FastifyInstance } from 'fastify';
import { registerAdvanceEndpoint } from '../advance-endpoint';
import type { EmulatorRuntime } from '../emulator-runtime';
import { AUTH_BASE_PATHS } from '../endpoints';
import { EmulatorHttpError } from '../http-error';
import { under } from './request-fields';

const CREDENTIAL_FIELDS = ['ClientName', 'PrincipalName', 'PrincipalPassword'] as const;

/** The service-principal ("resource owner") login: JSON credentials in, a bare text/plain token out. */
export function registerAuthRoutes(app: FastifyInstance, runtime: EmulatorRuntime): void {
  registerAdvanceEndpoint(
    app,
    runtime,
    { name: 'login', method: 'POST', paths: under(AUTH_BASE_PATHS, '/Authorize/ServicePrincipalLogIn') },
    (call) => {
      try {
        const body = call.body();
        const missing = CREDENTIAL_FIELDS.filter((field) => {
          const value = body.get(field);
          return typeof value !== 'string' || value === '';
        });
        if (missing.length > 0) {
          throw EmulatorHttpError.badRequest(`Missing or empty credential fields: ${missing.join(', ')}`);
        }
        const { clientName, principalName } = runtime.options;
        const { principalPassword } = runtime;
        const matches =
          body.get('ClientName') === clientName &&
          body.get('PrincipalName') === principalName &&
          body.get('PrincipalPassword') === principalPassword;
        if (!matches) throw new EmulatorHttpError(401, 'Invalid client name, principal name or password');
      } catch (error) {
        runtime.logins.record(false);
        throw error;
      }
      runtime.logins.record(true);
      return { status: 200, body: runtime.tokens.issue(), contentType: 'text/plain; charset=utf-8' };
    },
  );
}
