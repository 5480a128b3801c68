import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ManageServiceAccounts } from '../../../services/service-accounts.js';
import { CreateServiceAccountSchema } from '../../../services/sender-schema.js';
import { ErrorSchema, errorResponses } from '../schemas.js';
import { exactValidation } from '../exact-validation.js';
import { ServiceAccountSchema, SyncSchema, serviceAccountView } from '../sender-views.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** /api/v1/service-accounts: Google service accounts (keys sealed, never returned) and their directory sync. */
export function serviceAccountRoutes(accounts: ManageServiceAccounts): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/service-accounts', {
      config: { scope: 'read' },
      schema: { tags: ['service-accounts'], summary: 'Registered service accounts (never their keys)', response: { 200: Type.Object({ data: Type.Array(ServiceAccountSchema) }), ...errorResponses } },
    }, async () => ({ data: (await accounts.list()).map(serviceAccountView) }));

    app.post('/service-accounts', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: {
        tags: ['service-accounts'], summary: 'Register a service-account key and list its Workspace users as gmail senders',
        body: CreateServiceAccountSchema, response: { 201: ServiceAccountSchema, ...errorResponses },
      },
    }, async (req, reply) => reply.status(201).send(serviceAccountView(await accounts.register(req.body))));

    app.get('/service-accounts/:id', {
      config: { scope: 'read' },
      schema: { tags: ['service-accounts'], summary: 'A service account and its last sync', params: IdParams, response: { 200: ServiceAccountSchema, ...errorResponses } },
    }, async (req) => serviceAccountView(await accounts.get(req.params.id)));

    app.delete('/service-accounts/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['service-accounts'], summary: 'Remove a service account with its senders', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await accounts.remove(req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/service-accounts/:id/sync', {
      config: { scope: 'admin' },
      schema: { tags: ['service-accounts'], summary: 'List the directory now: new users become senders, suspended ones are paused', params: IdParams, response: { 200: SyncSchema, ...errorResponses, 502: ErrorSchema } },
    }, async (req) => accounts.syncNow(req.params.id));
  };
}
