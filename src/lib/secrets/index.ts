/** The bottom layer: what is secret, how it is masked, and the run's registry. Imports nothing from src/lib. */
export {looksSecretToken, registerArgvSecrets} from './argv.js'
export {publicMaterial, type SharingNuisance, sharingNuisance} from './public.js'
export {isTrivialValue, looksRandom, looksSecret, looksSecretName, MIN_REPLACE_LENGTH, wordy} from './classify.js'
export {credentialIn, jsonEntries, privateKeyIn, secretKeyName, tokenIn, urlsIn, urlTextsIn} from './inside.js'
export {regenerate, type SecretKind, type SecretKindClass, secretKind, type SecretTest, vendorSecretIn} from './kinds.js'
export {decodeSafe, isHostList, isKeyValueDsn, maskCredential, maskCredentialsInText, maskHost, maskKeyValueDsn, maskPath, maskUser, type SecretUrlParts, secretUrlParts, splitUrl, splitUrlList, urlCarriesToken, type UrlParts, versionLike} from './mask.js'
export {printableForms, SecretRegistry} from './registry.js'
export {currentSecrets, fingerprint, maskUrl, redact, redactDeep, withSecrets} from './run.js'
