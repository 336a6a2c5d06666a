import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const GOOD = ["wonderful", "great", "moving", "brilliant", "superb", "funny", "touching", "beautiful"];
const BAD = ["awful", "boring", "dull", "terrible", "weak", "clumsy", "tedious", "bland"];
const PLAIN = ["the", "film", "was", "a", "story", "with", "actors", "and", "plot", "scenes", "it", "of"];

/**
 * Writes a small IMDb-shaped folder (train/ and test/, pos/ and neg/, `<id>_<rating>.txt`) of `perFolder` made-up
 * reviews in each of the four folders: positive reviews use more of GOOD, negative ones more of BAD, so a model
 * can learn something in a few steps. Deterministic.
 */
export async function writeTinyImdb(root: string, perFolder = 30): Promise<string> {
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = (words: string[]) => words[Math.floor(next() * words.length)] as string;
  for (const split of ["train", "test"]) {
    for (const label of ["pos", "neg"]) {
      const dir = join(root, split, label);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < perFolder; i++) {
        const words: string[] = [];
        const length = 8 + Math.floor(next() * 20);
        for (let w = 0; w < length; w++) {
          const r = next();
          words.push(r < 0.3 ? pick(label === "pos" ? GOOD : BAD) : r < 0.4 ? pick(label === "pos" ? BAD : GOOD) : pick(PLAIN));
        }
        const rating = label === "pos" ? 7 + (i % 4) : 1 + (i % 4);
        await writeFile(join(dir, `${i}_${rating}.txt`), `${words.join(" ")}.`);
      }
    }
  }
  return root;
}
