import { Type } from 'typebox';
import { CampaignParams } from '../../../core/api/campaigns.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';
import { renderHtml, renderMarkdown } from './render.js';
import { loadReportData } from './report-data.js';

/**
 * The HTML report is one self-contained page: an inline stylesheet and inline SVG charts, no
 * script, nothing fetched. Inline styles are allowed; everything else is refused, so text an
 * agent wrote that slipped past escaping could neither run nor load anything.
 */
export const REPORT_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The campaign report as Markdown or as a self-contained HTML page (what `aar report` writes). */
export const reportRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/report',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The campaign report: PGR over time, method families, promotions, integrity flags, cost',
        tags: ['report'],
        params: CampaignParams,
        querystring: Type.Object({ format: Type.Enum(['md', 'html', 'json'], { default: 'md' }) }),
        response: { 200: Type.Unknown(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const data = await loadReportData(ctx.pool, request.params.campaignId);
      if (data === null) throw new AppError('not_found', `no campaign ${request.params.campaignId}`);
      if (request.query.format === 'json') return data;
      if (request.query.format === 'html')
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', REPORT_CONTENT_SECURITY_POLICY)
          .header('x-content-type-options', 'nosniff')
          .send(renderHtml(data));
      return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(data));
    },
  );
};
