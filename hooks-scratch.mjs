export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (/dist\//.test(context.parentURL ?? '') && !/dist\//.test(r.url)) console.error(specifier.padEnd(40), '<=', (context.parentURL ?? '').replace(/.*dist\//, ''))
  return r
}
