import { writeFile } from "node:fs/promises";

const WORDS = ["the", "island", "engineer", "sea", "fire", "cave", "wind", "balloon", "colonists", "shore", "north", "rock"];

/**
 * Writes a made-up "novel" with the chapter's slice markers (`THE MYSTERIOUS ISLAND` … `End of the Project
 * Gutenberg`) and about `characters` characters of word salad between them: small enough for CLI tests. Deterministic.
 */
export async function writeTinyNovel(path: string, characters = 12_000): Promise<string> {
  let state = 7;
  const words: string[] = [];
  let length = 0;
  while (length < characters) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const word = WORDS[state % WORDS.length] as string;
    words.push(state % 7 === 0 ? `${word}.\n` : word);
    length += word.length + 1;
  }
  await writeFile(path, `Project Gutenberg header\r\n\r\nTHE MYSTERIOUS ISLAND\r\n\r\n${words.join(" ")}\r\n\r\nEnd of the Project Gutenberg EBook\r\n`);
  return path;
}
