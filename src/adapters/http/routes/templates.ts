import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ManageTemplates } from '../../../services/manage-templates.js';
import { CreateTemplateSchema, PreviewSchema, UpdateTemplateSchema } from '../../../services/template-schema.js';
import { TemplateSchema, errorResponses, templateView } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** /api/v1/templates: CRUD (every update a new version) and preview. */
export function templateRoutes(templates: ManageTemplates): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/templates', {
      config: { scope: 'admin' },
      schema: { tags: ['templates'], summary: 'Create a template (Liquid; a syntax error is refused with line and column)', body: CreateTemplateSchema, response: { 201: TemplateSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(templateView(await templates.create(req.body))));

    app.get('/templates', {
      config: { scope: 'read' },
      schema: { tags: ['templates'], summary: 'All templates at their current version', response: { 200: Type.Object({ data: Type.Array(TemplateSchema) }), ...errorResponses } },
    }, async () => ({ data: (await templates.list()).map(templateView) }));

    app.get('/templates/:id', {
      config: { scope: 'read' },
      schema: { tags: ['templates'], summary: 'A template at its current version', params: IdParams, response: { 200: TemplateSchema, ...errorResponses } },
    }, async (req) => templateView(await templates.get(req.params.id)));

    app.put('/templates/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['templates'], summary: 'Update a template: writes a new version', params: IdParams, body: UpdateTemplateSchema, response: { 200: TemplateSchema, ...errorResponses } },
    }, async (req) => templateView(await templates.update(req.params.id, req.body)));

    app.delete('/templates/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['templates'], summary: 'Delete a template (its versions stay for messages that used them)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await templates.remove(req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/templates/:id/preview', {
      config: { scope: 'read' },
      schema: {
        tags: ['templates'], summary: 'Render the current version with variables', params: IdParams, body: PreviewSchema,
        response: { 200: Type.Object({ version: Type.Integer(), subject: Type.String(), html: Type.String(), text: Type.String() }), ...errorResponses },
      },
    }, async (req) => templates.preview(req.params.id, req.body.variables ?? {}));
  };
}
