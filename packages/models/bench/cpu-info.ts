/**
 * What the benchmark ran on: the CPU model, its vendor, the SIMD extensions that matter for the matrix products
 * (ours: WebAssembly SIMD, which V8 lowers to SSE/AVX; PyTorch's: OpenBLAS kernels picked per CPU), and the
 * OPENBLAS_CORETYPE that fits it.
 */
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

/** The CPU the benchmark runs on. */
export interface CpuInfo {
  model: string;
  vendor: string;
  logicalCores: number;
  /** The SIMD / matrix extensions present, in a fixed order (sse4_2 avx avx2 fma avx512f … amx_tile). */
  isa: string[];
  /** An OPENBLAS_CORETYPE that fits: SkylakeX only with AVX-512, Zen on AMD with AVX2, Haswell on others with AVX2. */
  openblasCore: string | null;
}

const ISA_ORDER = [
  "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
  "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
];

/** Reads `/proc/cpuinfo` (Linux); elsewhere only the model name and core count are known. */
export function cpuInfo(): CpuInfo {
  const logicalCores = cpus().length;
  let model = cpus()[0]?.model ?? "unknown CPU";
  let vendor = "unknown";
  let flags = new Set<string>();
  if (existsSync("/proc/cpuinfo")) {
    const first = readFileSync("/proc/cpuinfo", "utf8").split("\n\n")[0] ?? "";
    const field = (name: string): string | undefined =>
      first.split("\n").find((line) => line.startsWith(name))?.split(":").slice(1).join(":").trim();
    model = field("model name") ?? model;
    vendor = field("vendor_id") ?? vendor;
    flags = new Set((field("flags") ?? "").split(/\s+/));
  }
  const isa = ISA_ORDER.filter((f) => flags.has(f));
  let openblasCore: string | null = null;
  if (flags.has("avx512f")) openblasCore = "SkylakeX";
  else if (flags.has("avx2")) openblasCore = vendor === "AuthenticAMD" ? "Zen" : "Haswell";
  return { model, vendor, logicalCores, isa, openblasCore };
}

/** One line for a benchmark's header. */
export function formatCpuInfo(info: CpuInfo): string {
  const avx512 = info.isa.includes("avx512f") ? "yes" : "no";
  return `CPU: ${info.model} (${info.vendor}, ${info.logicalCores} logical cores); ISA: ${info.isa.join(" ") || "unknown"}; AVX-512: ${avx512}`;
}
