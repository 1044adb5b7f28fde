import type { ResourceDef } from './resources.js';
import type { JsonObject, KObject } from './types.js';

/** Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for with `Accept: ...;as=Table`. */
export function wantsTable(accept: string | undefined): boolean {
  return /;\s*as=Table/.test(accept ?? '');
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function rowObject(def: ResourceDef, obj: KObject, includeObject: string): JsonObject | undefined {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object')
    return { ...obj, kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  def: ResourceDef,
  objects: KObject[],
  metadata: JsonObject,
  includeObject: string | null,
  withColumns = true,
): JsonObject {
  const table: JsonObject = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata };
  if (withColumns) {
    table.columnDefinitions = def.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.name === 'Name' ? 'name' : '',
      description: c.name === 'Name' ? NAME_DESCRIPTION : c.name === 'Age' ? AGE_DESCRIPTION : c.name,
      priority: c.priority ?? 0,
    }));
  }
  table.rows = objects.map((obj) => {
    const row: JsonObject = { cells: def.columns.map((c) => c.cell(obj)) };
    const object = rowObject(def, obj, includeObject ?? 'Metadata');
    if (object) row.object = object;
    return row;
  });
  return table;
}
