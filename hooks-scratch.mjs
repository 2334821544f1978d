export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (/@heroku-cli\/command\/lib\/command\.js|@sentry\/node\/build\/esm\/index\.js|@oclif\/core\/lib\/index\.js|opentelemetry\/api\/build\/src\/index/.test(r.url)) console.error('LOADED', r.url, '<=', context.parentURL)
  return r
}
