/**
 * Answers of the search engine kept by key, at most `max` of them, the oldest leaving first. Keys
 * carry the catalogue's state tag: an answer outdated by a change is never read again and leaves
 * by age.
 */
export class AnswerCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly max: number) {}

  /** The answer kept for `key`, else `compute()`'s, kept. */
  get(key: string, compute: () => T): T {
    let answer = this.entries.get(key);
    if (answer === undefined) {
      answer = compute();
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, answer);
    }
    return answer;
  }
}
