// `ws` ships no types and @types/ws is not a dependency; the tests only hand its WebSocket class
// to graphql-ws's client, which takes it as `unknown`.
declare module 'ws' {
  const WebSocket: unknown;
  export default WebSocket;
}
