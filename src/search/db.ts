import Dexie, { type Table } from 'dexie';

export const SEARCH_DB_NAME = 'jianzheng-search';

/** Posting list of one term: document numbers (ascending) and their field-weighted counts. */
export interface TermRow {
  term: string;
  nos: Uint32Array;
  ws: Uint8Array;
}

/** One indexed capture. `no` is a small integer so that posting lists stay compact typed arrays. */
export interface DocRow {
  no?: number;
  id: string;
  capturedAt: string;
}

/**
 * Document number → capture id, 1024 numbers per row. A search maps its hits through this table;
 * reading 10 rows is fast where reading 10,000 small docs rows one record at a time is not.
 */
export interface IdChunkRow {
  chunk: number;
  ids: string[];
}
export const ID_CHUNK = 1024;

/** The terms of one document, kept so that it can be removed from every posting list again. */
export interface DocTermsRow {
  no: number;
  terms: string[];
}

/**
 * The full-text index lives in its own database: it is derived data (rebuildable from the evidence
 * store at any time with syncIndex) and must never be mixed with evidence.
 */
export class SearchDB extends Dexie {
  terms!: Table<TermRow, string>;
  docs!: Table<DocRow, number>;
  docTerms!: Table<DocTermsRow, number>;
  idChunks!: Table<IdChunkRow, number>;

  constructor(name = SEARCH_DB_NAME) {
    super(name);
    this.version(1).stores({
      terms: 'term',
      docs: '++no, &id',
      docTerms: 'no',
    });
    this.version(2).stores({ idChunks: 'chunk' });
  }
}

let shared: SearchDB | null = null;

export function getSearchDb(): SearchDB {
  shared ??= new SearchDB();
  return shared;
}

/** For tests: use another index database. */
export function setSearchDb(db: SearchDB | null): void {
  shared = db;
}
