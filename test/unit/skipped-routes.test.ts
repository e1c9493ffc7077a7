import { describe, expect, it } from 'vitest';
import {
  examplePathProblem,
  exampleStart,
  scenarioFile,
} from '../../renderer/src/views/live/skippedRoutes.ts';
import { scenarioSchema } from '../../main/scan/scenario.ts';

describe('example paths for the routes discovery could not fill', () => {
  it('start from the route as a path, its parameters still to give', () => {
    expect(exampleStart('archive/<int:year>/')).toBe('/archive/<int:year>/');
    expect(exampleStart('^articles/(?P<year>[0-9]{4})/$')).toBe('/articles/(?P<year>[0-9]{4})/');
    expect(exampleStart('/already/')).toBe('/already/');
  });

  it('are refused while a parameter is left, and say which', () => {
    expect(examplePathProblem('/archive/<int:year>/')).toBe('gives a value for <int:year>');
    expect(examplePathProblem('/articles/(?P<year>[0-9]{4})/')).toBe('gives a value for (?P<year>[0-9]{4})');
    expect(examplePathProblem('archive/1861/')).toBe('starts with /');
    expect(examplePathProblem('/archive/18 61/')).toBe('has no spaces');
    expect(examplePathProblem(`/${'a'.repeat(2000)}`)).toBe('is under 2,000 characters');
    expect(examplePathProblem('/archive/1861/?page=2')).toBeNull();
  });

  it('make a scenario file the CLI reads', () => {
    const file = scenarioFile(['/archive/1861/', '/accounts/reset/MQ/set-password/']);
    expect(scenarioSchema.parse(JSON.parse(file)).endpoints.map((e) => [e.method, e.path])).toEqual([
      ['GET', '/archive/1861/'],
      ['GET', '/accounts/reset/MQ/set-password/'],
    ]);
  });
});
