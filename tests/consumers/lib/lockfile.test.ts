import { describe, expect, it } from "vitest";

import { directVersion, lockfileImporters, snapshotDependencyVersion } from "./lockfile";

const lock = `lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      typescript:
        specifier: 5.9.3
        version: 5.9.3

  packages/models:
    dependencies:
      '@recurrent/text-prep':
        specifier: workspace:^
        version: link:../text-prep
    devDependencies:
      '@tensorflow/tfjs':
        specifier: 4.22.0
        version: 4.22.0(seedrandom@3.0.5)

  packages/other:
    devDependencies:
      '@tensorflow/tfjs':
        specifier: 4.21.0
        version: 4.21.0

packages:

  esbuild@0.27.7:
    resolution: {integrity: sha512-x}

snapshots:

  tsup@8.5.1(typescript@5.9.3):
    dependencies:
      bundle-require: 5.1.0(esbuild@0.27.7)
      esbuild: 0.27.7

  tsx@4.23.15:
    dependencies:
      esbuild: 0.28.2
`;

describe("lockfile", () => {
  const importers = lockfileImporters(lock);

  it("reads each importer's resolved versions, without peer suffixes", () => {
    expect(importers.get(".")?.get("typescript")).toBe("5.9.3");
    expect(importers.get("packages/models")?.get("@tensorflow/tfjs")).toBe("4.22.0");
    expect(directVersion(importers, "typescript")).toBe("5.9.3");
  });

  it("refuses a package locked at two versions, naming them", () => {
    expect(() => directVersion(importers, "@tensorflow/tfjs")).toThrow(
      'expected exactly one locked version of @tensorflow/tfjs across the workspace, got 2: ' +
        '{"packages/models":"4.22.0","packages/other":"4.21.0"}',
    );
    expect(() => directVersion(importers, "left-pad")).toThrow("got 0");
  });

  it("finds the version one locked package depends on", () => {
    expect(snapshotDependencyVersion(lock, "tsup", "esbuild")).toBe("0.27.7");
    expect(snapshotDependencyVersion(lock, "tsx", "esbuild")).toBe("0.28.2");
    expect(() => snapshotDependencyVersion(lock, "vite", "esbuild")).toThrow("got []");
  });

  it("refuses another lockfile version", () => {
    expect(() => lockfileImporters("lockfileVersion: '6.0'\n")).toThrow(
      "expected pnpm-lock.yaml with lockfileVersion '9.x', got lockfileVersion: '6.0'",
    );
  });
});
