import { AppError } from "../errors";

/**
 * A file a client uploads, sent as the body itself (`text/csv`) or as one field of a
 * `multipart/form-data` form (a browser's file input), read as UTF-8 text. For operations that
 * declare no JSON `body` and read the request themselves. At most `maxBytes` are read (413 past
 * that, before the whole body arrives); another media type is a 415; text that is not UTF-8 or a
 * form without the field is a 400.
 */
export async function readUploadedText(
  request: Request,
  options: { mediaTypes: readonly string[]; field: string; maxBytes: number },
): Promise<string> {
  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const isForm = mediaType === "multipart/form-data";
  if (!isForm && !options.mediaTypes.includes(mediaType)) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the file as ${options.mediaTypes.join(" or ")}, or as the field "${options.field}" of multipart/form-data`,
    );
  }
  const bytes = await readAtMost(request, options.maxBytes);
  if (!isForm) return utf8(bytes);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw invalid("body", "The multipart/form-data body could not be read");
  }
  const file = form.get(options.field);
  if (file === null) throw invalid(`body.${options.field}`, `The form has no field "${options.field}"`);
  return typeof file === "string" ? file : utf8(new Uint8Array(await file.arrayBuffer()));
}

async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `The file must be at most ${maxBytes} bytes`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader?.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("body", "The file must be UTF-8 text");
  }
}

const invalid = (path: string, message: string) =>
  new AppError("VALIDATION_FAILED", "The request body is invalid", [{ path, message, code: "custom" }]);
