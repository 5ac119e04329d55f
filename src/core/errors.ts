/** Base class of errors Headway throws on purpose; `code` is stable for programs. */
export class HeadwayError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "HeadwayError";
    this.code = code;
  }
}

/** Bad input: names the field and, where there is one, the limit. Nothing was written. */
export class ValidationError extends HeadwayError {
  readonly field: string;
  constructor(field: string, message: string) {
    super("validation_error", `${field}: ${message}`);
    this.name = "ValidationError";
    this.field = field;
  }
}

/** The store holds a newer schema than this code knows. */
export class SchemaVersionError extends HeadwayError {
  constructor(found: number, known: number) {
    super(
      "schema_too_new",
      `the database schema is version ${found} but this Headway knows versions up to ${known}; upgrade headway before opening this database`,
    );
    this.name = "SchemaVersionError";
  }
}
