import { isUtf8 } from "node:buffer";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { PROTO_DIR, PROTO_FILE } from "../protocol/proto.ts";

/** Set on a decoded request when its bytes were not a valid message. */
export const WIRE_PROBLEM: unique symbol = Symbol("wire problem");

export type Guarded<T> = T & { [WIRE_PROBLEM]?: string };

/**
 * protobufjs decodes invalid UTF-8 into U+FFFD without a word, and a decoding
 * error becomes INTERNAL in grpc-js. This walks each request's wire bytes first:
 * a string field that is not valid UTF-8, or bytes that are not a message, mark
 * the request with WIRE_PROBLEM so the handler answers INVALID_ARGUMENT.
 */
export function findWireProblem(type: protobuf.Type, bytes: Uint8Array): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = type.fieldsById[tag >>> 3];
      const wireType = tag & 7;
      if (wireType === 2 && field?.type === "string") {
        if (!isUtf8(reader.bytes())) return `${field.name} is not valid UTF-8`;
      } else {
        reader.skipType(wireType);
      }
    }
  } catch {
    return `the request is not a valid ${type.name} message`;
  }
  return undefined;
}

/** A copy of the service definition whose request decoders never throw. */
export function guardService(
  definition: grpc.ServiceDefinition,
  serviceName: string,
): grpc.ServiceDefinition {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync(PROTO_FILE, { keepCase: true });
  const service = root.lookupService(serviceName);
  service.resolveAll();
  const guarded: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const type = service.methods[name]?.resolvedRequestType;
    if (!type) throw new Error(`no request type for ${serviceName}.${name}`);
    const decode = method.requestDeserialize;
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const problem = findWireProblem(type, bytes);
        if (problem === undefined) {
          try {
            return decode(bytes);
          } catch {
            // fall through with a problem
          }
        }
        return { [WIRE_PROBLEM]: problem ?? `the request is not a valid ${type.name} message` };
      },
    };
  }
  return guarded;
}
