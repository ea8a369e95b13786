// The sandbox's Node.js runtime loop: speaks the Lambda Runtime API for nodejs*.x functions.
// Handler "file.fn" loads LAMBDA_TASK_ROOT/file(.mjs|.cjs|.js) and calls fn(event, context), awaiting
// a returned promise; callback-style handlers (event, context, callback) are supported too.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const root = process.env.LAMBDA_TASK_ROOT;
const [file, fnName] = splitHandler(process.env._HANDLER || "index.handler");

function splitHandler(handler) {
  const dot = handler.lastIndexOf(".");
  return dot < 0 ? [handler, "handler"] : [handler.slice(0, dot), handler.slice(dot + 1)];
}

function errorBody(err, type) {
  return JSON.stringify({
    errorType: type || (err && err.name) || "Error",
    errorMessage: (err && err.message) || String(err),
    trace: err && err.stack ? String(err.stack).split("\n") : [],
  });
}

async function post(url, body, type) {
  const headers = { "content-type": "application/json" };
  if (type) headers["lambda-runtime-function-error-type"] = type;
  await fetch(url, { method: "POST", body, headers });
}

async function load() {
  for (const ext of [".mjs", ".cjs", ".js"]) {
    const candidate = path.join(root, file + ext);
    if (existsSync(candidate)) {
      const mod = await import(pathToFileURL(candidate).href);
      const fn = mod[fnName] ?? (mod.default && mod.default[fnName]);
      if (typeof fn !== "function") {
        const err = new Error(`${file}.${fnName} is undefined or not exported`);
        err.name = "Runtime.HandlerNotFound";
        throw err;
      }
      return fn;
    }
  }
  const err = new Error(`Error: Cannot find module '${file}'`);
  err.name = "Runtime.ImportModuleError";
  throw err;
}

let handler;
try {
  handler = await load();
} catch (err) {
  await post(`${api}/init/error`, errorBody(err, err.name), err.name);
  process.exit(1);
}

for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const deadline = Number(next.headers.get("lambda-runtime-deadline-ms"));
  const event = JSON.parse((await next.text()) || "null");
  const context = {
    awsRequestId: id,
    invokedFunctionArn: next.headers.get("lambda-runtime-invoked-function-arn"),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    const result = handler.length >= 3
      ? await new Promise((resolve, reject) => {
          const maybe = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
          if (maybe && typeof maybe.then === "function") maybe.then(resolve, reject);
        })
      : await handler(event, context);
    await post(`${api}/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result));
  } catch (err) {
    console.error(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${errorBody(err)}`);
    await post(`${api}/invocation/${id}/error`, errorBody(err), "Runtime.UnhandledPromiseRejection");
  }
}
