// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronBan = {
  paths: [{ name: 'electron', message: 'Only main/electron/ and preload/ may import electron.' }],
  patterns: [{ group: ['electron/*'], message: 'Only main/electron/ and preload/ may import electron.' }],
};

/** After a leading `../`: the contract. */
const contract = String.raw`\.\./preload/contract\.ts$`;
/** The engine's layers (ARCHITECTURE.md): a folder may import only what lies below it. */
const below = {
  /** Nothing below the faces imports them: the engine throws its own errors, api/ maps them. */
  engine: [
    {
      regex: String.raw`(^|/)(api|cli|web|electron)/`,
      message: 'Only the faces (api/, cli/, web/, electron/) import a face: the engine sits below them.',
    },
  ],
  /** Pure: the contract's types and itself. */
  analysis: [
    {
      regex: String.raw`^(?!\./|\.\./${contract})`,
      message:
        'analysis/ is pure: it imports only itself and preload/contract.ts (no store, engine, api or I/O).',
    },
  ],
  /** All SQL, and nothing above it. */
  store: [
    {
      regex: String.raw`^\.\./(?!${contract}|probe/protocol\.ts$)`,
      message:
        'store/ imports only itself, probe/protocol.ts and preload/contract.ts (no analysis, engine or api).',
    },
  ],
  probe: [
    {
      regex: String.raw`^\.\./(?!${contract})`,
      message: 'probe/ imports only itself and preload/contract.ts.',
    },
  ],
  launcher: [
    {
      regex: String.raw`^\.\./(?!${contract}|paths\.ts$|probe/)`,
      message: 'launcher/ imports only itself, probe/, paths.ts and preload/contract.ts.',
    },
  ],
};
const layer = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { ...electronBan, patterns: [...electronBan.patterns, ...patterns] }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'release/', '.cache/', 'assets/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', electronBan],
    },
  },
  layer(['main/**'], below.engine),
  layer(['main/analysis/**'], [...below.engine, ...below.analysis]),
  layer(['main/store/**'], [...below.engine, ...below.store]),
  layer(['main/probe/**'], [...below.engine, ...below.probe]),
  layer(['main/launcher/**'], [...below.engine, ...below.launcher]),
  // The faces sit on top of the API.
  layer(['main/api/**', 'main/cli/**', 'main/web/**', 'main/open-files.ts'], []),
  {
    files: ['main/electron/**', 'preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer may only take types from the contract; engine code never reaches the browser bundle.
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronBan,
          patterns: [
            ...electronBan.patterns,
            {
              group: ['**/main/**'],
              message: 'The renderer talks to the engine through preload/contract.ts.',
            },
          ],
        },
      ],
    },
  },
);
