/**
 * Infrahub's two timestamp spellings: branch records use `Timestamp.to_string()`
 * (`2023-12-13T14:47:46.429753Z`), GraphQL `DateTime` fields use `datetime.isoformat()`
 * (`2025-01-02T16:06:15.565985+00:00`). JavaScript dates carry milliseconds, so the last three
 * microsecond digits are always zero.
 */
const base = (date: Date): string => date.toISOString().slice(0, 23)

export const branchTimestamp = (date: Date): string => `${base(date)}000Z`

export const graphqlDateTime = (date: Date): string => `${base(date)}000+00:00`
