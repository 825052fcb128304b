import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDMMF } from '@prisma/internals';
import { Client } from 'pg';
import { createTestEnv, type TestEnv } from '../../../../test/support/test-env';
import { MIGRATIONS_TABLE } from './migration-runner';

type Dmmf = Awaited<ReturnType<typeof getDMMF>>;

function expectedType(f: Dmmf['datamodel']['models'][number]['fields'][number]): string {
  const native = (f.nativeType as [string, string[]] | null)?.[0];
  if (f.kind === 'enum') return `USER-DEFINED:${f.type}`;
  const base: Record<string, string> = {
    String: native === 'Uuid' ? 'uuid' : 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Boolean: 'boolean',
    DateTime: native === 'Timestamptz' ? 'timestamp with time zone' : 'timestamp without time zone',
    Json: 'jsonb',
  };
  const t = base[f.type];
  if (!t) throw new Error(`unmapped Prisma type ${f.type}`);
  return f.isList ? `ARRAY:${t}` : t;
}

describe('migrations against prisma/schema.prisma', () => {
  let env: TestEnv;
  let db: Client;
  let dmmf: Dmmf;

  beforeAll(async () => {
    env = await createTestEnv();
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    dmmf = await getDMMF({
      datamodel: readFileSync(join(__dirname, '../../../../prisma/schema.prisma'), 'utf8'),
    });
  });
  afterAll(async () => {
    await db.end();
    await env.cleanup();
  });

  it('has exactly one table per model', async () => {
    const { rows } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> $1`,
      [MIGRATIONS_TABLE],
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(
      dmmf.datamodel.models.map((m) => m.dbName ?? m.name).sort(),
    );
  });

  it('has every scalar field as a column of the right type and nullability, and no other column', async () => {
    const { rows } = await db.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const arrayElement: Record<string, string> = { _text: 'text', _int4: 'integer', _uuid: 'uuid' };
    for (const model of dmmf.datamodel.models) {
      const table = model.dbName ?? model.name;
      const columns = rows.filter((r) => r.table_name === table);
      const scalars = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
      expect({ table, columns: columns.map((c) => c.column_name).sort() }).toEqual({
        table,
        columns: scalars.map((f) => f.dbName ?? f.name).sort(),
      });
      for (const f of scalars) {
        const col = columns.find((c) => c.column_name === (f.dbName ?? f.name))!;
        const actual =
          col.data_type === 'USER-DEFINED'
            ? `USER-DEFINED:${col.udt_name}`
            : col.data_type === 'ARRAY'
              ? `ARRAY:${arrayElement[col.udt_name] ?? col.udt_name}`
              : col.data_type;
        expect(`${table}.${f.name} ${actual}`).toBe(`${table}.${f.name} ${expectedType(f)}`);
        if (!f.isList) {
          expect(`${table}.${f.name} nullable=${col.is_nullable}`).toBe(
            `${table}.${f.name} nullable=${f.isRequired ? 'NO' : 'YES'}`,
          );
        }
      }
    }
  });

  it('has every enum with the same values', async () => {
    const { rows } = await db.query<{ typname: string; values: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const actual = Object.fromEntries(rows.map((r) => [r.typname, r.values]));
    const expected = Object.fromEntries(
      dmmf.datamodel.enums.map((e) => [
        e.dbName ?? e.name,
        e.values.map((v) => v.dbName ?? v.name),
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it('has every primary key, unique constraint and index with its columns in order', async () => {
    const { rows } = await db.query<{ tablename: string; indexdef: string }>(
      `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> $1`,
      [MIGRATIONS_TABLE],
    );
    const normalise = (def: string): string => {
      const unique = /CREATE UNIQUE INDEX/.test(def);
      const cols = def.replace(/^.*USING btree \((.*)\)$/, '$1').replace(/"/g, '');
      return `${unique ? 'unique' : 'index'}(${cols})`;
    };
    const actual = rows.map((r) => `${r.tablename} ${normalise(r.indexdef)}`).sort();
    const expected = dmmf.datamodel.indexes
      .map((i) => {
        const model = dmmf.datamodel.models.find((m) => m.name === i.model)!;
        const cols = i.fields
          .map((f) => `${f.name}${f.sortOrder === 'desc' ? ' DESC' : ''}`)
          .join(', ');
        return `${model.dbName ?? model.name} ${i.type === 'normal' ? 'index' : 'unique'}(${cols})`;
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has a foreign key for every relation, with the same delete rule', async () => {
    const { rows } = await db.query<{
      table_name: string;
      column_name: string;
      delete_rule: string;
    }>(
      `SELECT kcu.table_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) AS column_name, rc.delete_rule
         FROM information_schema.referential_constraints rc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
        WHERE kcu.table_schema = 'public'
        GROUP BY kcu.table_name, rc.constraint_name, rc.delete_rule`,
    );
    const actual = rows.map((r) => `${r.table_name}(${r.column_name}) ${r.delete_rule}`).sort();
    const rule: Record<string, string> = {
      Cascade: 'CASCADE',
      SetNull: 'SET NULL',
      Restrict: 'RESTRICT',
      NoAction: 'NO ACTION',
    };
    const expected = dmmf.datamodel.models
      .flatMap((m) =>
        m.fields
          .filter(
            (f) => f.kind === 'object' && f.relationFromFields && f.relationFromFields.length > 0,
          )
          .map((f) => {
            const onDelete = f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull');
            return `${m.dbName ?? m.name}(${f.relationFromFields!.join(',')}) ${rule[onDelete]}`;
          }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });
});
