import eslint from '@eslint/js'
import {createTypeScriptImportResolver} from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

/**
 * The layers, bottom up (docs/ARCHITECTURE.md): a directory may import only from its own layer or below.
 * `errors.ts` and `exit-codes.ts` are leaves every layer may use.
 */
const LAYERS = [
  ['secrets'],
  ['heroku'],
  ['snapshot', 'production', 'protect/store.ts', 'protect/policy.ts'],
  // The decisions: pure functions over loaded snapshots (audit/ holds only the audit's rules, no I/O).
  ['classify', 'audit', 'render'],
  // The flows: load, decide, execute. audit-flow/ is the audit's (it loads the apps the rules read).
  ['fork', 'fix', 'refresh', 'hook', 'protect', 'execute', 'audit-flow'],
  // The command plumbing (wiring the flows to the terminal) and the --json schemas; no flow knows them.
  ['command', 'schema'],
]
const layerOf = dir => LAYERS.findIndex(dirs => dirs.includes(dir))
const zones = LAYERS.flatMap((dirs, index) => dirs.filter(dir => !dir.endsWith('.ts')).map(dir => ({
  from: [...LAYERS.slice(index + 1).flat().filter(other => !other.endsWith('.ts')).map(other => `./src/lib/${other}`), './src/commands', './src/hooks'],
  // A file of a higher directory that sits in a lower layer (protect/store.ts) may still be imported.
  except: LAYERS.slice(0, index + 1).flat().filter(file => file.endsWith('.ts') && layerOf(file.split('/')[0]) > index).map(file => `./${file.split('/').slice(1).join('/')}`),
  message: `src/lib/${dir} is in layer ${index + 1}; it may not import from a layer above it (docs/ARCHITECTURE.md)`,
  target: `./src/lib/${dir}`,
})))

/**
 * The flows sit side by side: none imports another (what two flows share moves down a layer, into
 * execute/ or heroku/). protect/store.ts and protect/policy.ts are the lower-layer files they may all read.
 */
const FLOWS = ['fork', 'fix', 'refresh', 'hook']
/**
 * The audit flow is the one flow others may build on: `staging:audit --fix` (fix/run.ts) audits
 * first and repairs what it found, so it is not in FLOWS. It stays a base: it imports no flow.
 */
const BASE_FLOWS = ['audit-flow']
const flowZones = [...FLOWS, ...BASE_FLOWS].flatMap(flow => [
  {
    from: FLOWS.filter(other => other !== flow).map(other => `./src/lib/${other}`),
    message: `src/lib/${flow} is a flow; flows do not import each other (move what they share into execute/ or a lower layer)`,
    target: `./src/lib/${flow}`,
  },
  {
    except: ['./store.ts', './policy.ts'],
    from: './src/lib/protect',
    message: `src/lib/${flow} is a flow; flows do not import each other (protect/store.ts and protect/policy.ts are the parts they share)`,
    target: `./src/lib/${flow}`,
  },
])

/**
 * An API path is built only in the resource layer (src/lib/heroku/api.ts): a string or template
 * starting with a Platform or Data API collection, or naming a per-app sub-resource, is refused elsewhere.
 */
const API_PATH = String.raw`^\/(account|addon-attachments|addon-services|addons|apps|client|data|filters|pipeline-couplings|pipelines|review-apps|spaces|teams)(\/|\?|$)|\/(addon-attachments|addons|backups|buildpack-installations|config-vars|formation|pipeline-couplings|releases|review-app|transfers|wait_status)(\/|\?|$)`
const apiPathRule = ['error',
  {message: 'Build API paths only in src/lib/heroku/api.ts (the resource layer).', selector: `Literal[value=/${API_PATH}/]`},
  {message: 'Build API paths only in src/lib/heroku/api.ts (the resource layer).', selector: `TemplateElement[value.raw=/${API_PATH}/]`},
]

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json', 'tmp/**']},
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', setInterval: 'readonly', clearInterval: 'readonly'}},
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-await-in-loop': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'emulator/**/*.ts'],
    plugins: {'import-x': importX},
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', {zones: [
        ...zones,
        ...flowZones,
        {from: './src', message: 'the emulator is a stand-in for Heroku: it imports nothing from src/', target: './emulator'},
      ]}],
    },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': {'@typescript-eslint/parser': ['.ts']},
      'import-x/resolver-next': [createTypeScriptImportResolver({project: 'tsconfig.json'})],
    },
  },
  {
    files: ['src/**/*.ts'],
    // routes.ts reads the paths of requests others send (the effect guard classifies them); it builds none.
    ignores: ['src/lib/heroku/api.ts', 'src/lib/heroku/routes.ts'],
    rules: {'no-restricted-syntax': apiPathRule},
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {globals: {module: 'writable', require: 'readonly'}, sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-unused-expressions': 'off', 'no-await-in-loop': 'off'},
  },
)
