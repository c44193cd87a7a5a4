// Real clients of the standard gRPC services (health, reflection), loaded from
// their own .proto files as any other tool's client would be.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { FileDescriptorProto } from "protobufjs/ext/descriptor";

const OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type Ctor = new (address: string, creds: grpc.ChannelCredentials) => grpc.Client;

function service(file: string, includeDir: string, name: string): Ctor {
  const pkg = grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { ...OPTIONS, includeDirs: [includeDir] }),
  );
  let node: unknown = pkg;
  for (const part of name.split(".")) node = (node as Record<string, unknown>)[part];
  return node as Ctor;
}

export interface HealthClient {
  check(service: string): Promise<string>;
  /** A Watch stream: every status it got, and its end status. */
  watch(service: string): HealthWatch;
  close(): void;
}

export interface HealthWatch {
  statuses: string[];
  end: Promise<grpc.StatusObject>;
  cancel(): void;
}

export function healthClient(address: string): HealthClient {
  const Health = service(healthProtoPath, dirname(healthProtoPath), "grpc.health.v1.Health");
  const raw = new Health(address, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (...args: unknown[]) => unknown>;
  return {
    check: (name) =>
      new Promise((resolve, reject) => {
        raw.Check?.(
          { service: name },
          (error: grpc.ServiceError | null, res: { status: string }) =>
            error ? reject(error) : resolve(res.status),
        );
      }),
    watch(name) {
      const call = raw.Watch?.({ service: name }) as grpc.ClientReadableStream<{ status: string }>;
      const statuses: string[] = [];
      call.on("data", (res) => statuses.push(res.status));
      call.on("error", () => {});
      const end = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      return { statuses, end, cancel: () => call.cancel() };
    },
    close: () => raw.close(),
  };
}

const require = createRequire(import.meta.url);
const REFLECTION_PROTO_DIR = join(dirname(require.resolve("@grpc/reflection")), "../proto");

export type ReflectionVersion = "v1" | "v1alpha";

/** Decoded FileDescriptorProto (protobufjs's descriptor types, loosely typed). */
export interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  messageType: { name: string; field: { name: string; number: number }[] }[];
  service: {
    name: string;
    method: {
      name: string;
      inputType: string;
      outputType: string;
      clientStreaming?: boolean;
      serverStreaming?: boolean;
    }[];
  }[];
}

export interface ReflectionClient {
  /** One request on a ServerReflectionInfo stream; the response's payload. */
  ask(request: Record<string, string>): Promise<Record<string, unknown>>;
  listServices(): Promise<string[]>;
  fileContainingSymbol(symbol: string): Promise<FileDescriptor[]>;
  close(): void;
}

export function reflectionClient(address: string, version: ReflectionVersion): ReflectionClient {
  const Reflection = service(
    `grpc/reflection/${version}/reflection.proto`,
    REFLECTION_PROTO_DIR,
    `grpc.reflection.${version}.ServerReflection`,
  );
  const raw = new Reflection(address, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, () => grpc.ClientDuplexStream<unknown, Record<string, unknown>>>;
  const ask = (request: Record<string, string>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const call = raw.ServerReflectionInfo?.() as grpc.ClientDuplexStream<
        unknown,
        Record<string, unknown>
      >;
      call.on("data", (response) => {
        resolve(response);
        call.end();
      });
      call.on("error", reject);
      call.write(request);
    });
  const files = (response: Record<string, unknown>) => {
    const fd = response.file_descriptor_response as { file_descriptor_proto: Buffer[] } | null;
    if (!fd) throw new Error(`no file descriptors in ${JSON.stringify(response)}`);
    return fd.file_descriptor_proto.map(
      (bytes) => FileDescriptorProto.decode(bytes) as unknown as FileDescriptor,
    );
  };
  return {
    ask,
    async listServices() {
      const response = await ask({ list_services: "" });
      const list = response.list_services_response as { service: { name: string }[] };
      return list.service.map((s) => s.name).sort();
    },
    fileContainingSymbol: async (symbol) => files(await ask({ file_containing_symbol: symbol })),
    close: () => raw.close(),
  };
}
