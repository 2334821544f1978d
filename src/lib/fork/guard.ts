/**
 * The fork's runtime assertion — no mutating request ever names the production app or one of its
 * add-ons — is the shared guard of every command that changes a staging app. With its default
 * options it refuses add-ons production owns in a request body, and lets an add-on owned by a third
 * app through (staging:fork shares one on request with --share-addon).
 */
export {GuardedClient, ProductionGuard, ProductionMutationError} from '../heroku/guard.js'
