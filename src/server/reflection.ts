import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { LOADER_OPTIONS, PROTO_FILE } from "../protocol/proto.ts";

// @grpc/reflection and grpc-health-check bring their own protobufjs and
// proto-loader: loaded when a server is made, so --help and a bad flag do not wait.
const require = createRequire(import.meta.url);
const REFLECTION_PROTOS = [
  "grpc/reflection/v1/reflection.proto",
  "grpc/reflection/v1alpha/reflection.proto",
];

/**
 * Server reflection, v1 and v1alpha (@grpc/reflection), describing every
 * service the server has: ChitChat, the health service and reflection itself,
 * so grpcurl, Postman and evans need no .proto.
 */
export function addReflection(server: grpc.Server): void {
  const { ReflectionService } = require("@grpc/reflection") as typeof import("@grpc/reflection");
  const { protoPath: healthProtoPath } =
    require("grpc-health-check") as typeof import("grpc-health-check");
  /** The .proto files @grpc/reflection ships and serves (v1 and v1alpha). */
  const reflectionProtoDir = join(dirname(require.resolve("@grpc/reflection")), "../proto");
  // keepCase: the descriptors then name fields as the .proto does
  // (participant_id); the camelCase our handlers use would describe another API.
  const definition = protoLoader.loadSync([PROTO_FILE, healthProtoPath, ...REFLECTION_PROTOS], {
    ...LOADER_OPTIONS,
    keepCase: true,
    includeDirs: [...LOADER_OPTIONS.includeDirs, dirname(healthProtoPath), reflectionProtoDir],
  });
  new ReflectionService(definition).addToServer(server);
}
