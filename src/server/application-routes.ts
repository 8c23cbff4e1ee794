// Flink 2.3's application endpoints its web dashboard calls: the application list, one application, its
// exceptions and its JobManager configuration. Each job of the local coordinator is its own application
// (views/applications.ts), so an application id is a job id.
import { NotFoundError } from '../domain/errors.js';
import type { Dispatcher } from './dispatcher.js';
import { route, type RequestContext, type Route } from './http.js';
import type { JobManagerFacts } from './monitor-routes.js';
import { parseHexParam } from './validation.js';
import { applicationExceptionsView, applicationsOverviewView, applicationView } from './views/applications.js';
import { jobsView } from './views/jobs.js';

export function applicationRoutes(dispatcher: Dispatcher, facts: JobManagerFacts): Route[] {
  async function application(ctx: RequestContext) {
    const id = parseHexParam(ctx.params.applicationid, 'applicationid');
    const record = (await dispatcher.jobs()).find((r) => r.jobId === id);
    if (!record) throw new NotFoundError(`Application ${id} not found.`);
    return record;
  }

  return [
    route('GET', '/applications/overview', async () => applicationsOverviewView(await dispatcher.jobs())),
    route('GET', '/applications/:applicationid', async (ctx) => {
      const record = await application(ctx);
      return applicationView(record, jobsView([record])[0]);
    }),
    route('GET', '/applications/:applicationid/exceptions', async (ctx) => applicationExceptionsView(await application(ctx))),
    // A session cluster's applications share the JobManager's configuration.
    route('GET', '/applications/:applicationid/jobmanager/config', async (ctx) => (await application(ctx), facts.configuration ?? [])),
  ];
}
