/** Help text every staging:* command shares. */

/** Where debug output comes from, and that it never shows a value (README: "What is printed, and what never is"). */
export const DEBUG_HELP = 'Debugging: HEROKU_DEBUG=1 (and HEROKU_DEBUG_HEADERS=1) prints the plugin\'s own request lines, method, URL, status, headers and bodies, with every config var value and credential hidden. http-call\'s own request and response lines are turned off for the plugin\'s requests, because they print a body before anything can filter it. Every other debug line (DEBUG=*) passes through the same redaction.'
