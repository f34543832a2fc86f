/** Record timestamps: ISO strings (millisecond precision) taken from the engine's clock. */
export const graphqlNow = (now: () => Date): string => now().toISOString()
