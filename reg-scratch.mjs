import {register} from 'node:module'
register('./hooks-scratch.mjs', import.meta.url)
