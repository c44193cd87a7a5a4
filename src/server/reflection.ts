import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { LOADER_OPTIONS, PROTO_FILE } from "../protocol/proto.ts";

const require = createRequire(import.meta.url);
/** The .proto files @grpc/reflection ships and serves (v1 and v1alpha). */
const REFLECTION_PROTO_DIR = join(dirname(require.resolve("@grpc/reflection")), "../proto");
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
  // keepCase: the descriptors then name fields as the .proto does
  // (participant_id); the camelCase our handlers use would describe another API.
  const definition = protoLoader.loadSync([PROTO_FILE, healthProtoPath, ...REFLECTION_PROTOS], {
    ...LOADER_OPTIONS,
    keepCase: true,
    includeDirs: [...LOADER_OPTIONS.includeDirs, dirname(healthProtoPath), REFLECTION_PROTO_DIR],
  });
  new ReflectionService(definition).addToServer(server);
}
