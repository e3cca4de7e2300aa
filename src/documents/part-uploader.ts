/**
 * Cuts a stream into parts (S3 multipart parts, Azure blocks) held in a small set of reused
 * buffers: at most `concurrency` parts are being uploaded while one more fills, so a put holds
 * `partSize × (concurrency + 1)` bytes whatever the document's size, and allocates them once.
 *
 * Why not a fresh buffer per part (as @aws-sdk/lib-storage and the Azure SDK's uploadStream do):
 * every part then becomes garbage that V8 frees only when external memory has grown by tens of
 * megabytes, so a 50 MB upload grew the process by 35–65 MB (store memory test); with reused
 * buffers it stays near the buffers' own size.
 *
 * A document that fits in one part is not uploaded as a part at all: `upload` returns it as
 * `single`, for a one-request write that can carry what is known only at the end (the checksum).
 */

export interface PartUploadOptions {
  /** Bytes per part; every part but the last has exactly this size. */
  partSize: number;
  /** Parts uploaded at once. */
  concurrency: number;
}

export type PartUploadResult =
  /** The whole document fitted in one part and nothing was uploaded: write `single` in one request. */
  | { single: Buffer; parts: 0 }
  /** `parts` parts were uploaded, numbered from 1. */
  | { single?: undefined; parts: number };

/**
 * Reads `source` to its end, calling `uploadPart(data, partNumber)` for each part (from 1, possibly
 * out of order and concurrently). `data` is only valid until that call's promise settles. On any
 * failure (the source's or an upload's) reading stops, running uploads are awaited and the first
 * error is thrown.
 */
export async function uploadInParts(
  source: AsyncIterable<Buffer>,
  options: PartUploadOptions,
  uploadPart: (data: Buffer, partNumber: number) => Promise<void>,
): Promise<PartUploadResult> {
  const { partSize, concurrency } = options;
  const free: Buffer[] = [];
  let allocated = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let partNumber = 0;

  const takeBuffer = async (): Promise<Buffer> => {
    while (free.length === 0 && allocated > concurrency && inFlight.size > 0) {
      await Promise.race(inFlight);
      if (failure !== undefined) throw failure.error;
    }
    const reused = free.pop();
    if (reused !== undefined) return reused;
    allocated += 1;
    return Buffer.allocUnsafeSlow(partSize);
  };

  const dispatch = (buffer: Buffer, length: number): void => {
    partNumber += 1;
    const uploading: Promise<void> = uploadPart(buffer.subarray(0, length), partNumber).then(
      () => {
        inFlight.delete(uploading);
        free.push(buffer);
      },
      (error: unknown) => {
        inFlight.delete(uploading);
        failure ??= { error };
      },
    );
    inFlight.add(uploading);
  };

  let current = await takeBuffer();
  let filled = 0;
  try {
    for await (const chunk of source) {
      let offset = 0;
      while (offset < chunk.length) {
        if (failure !== undefined) throw failure.error;
        if (filled === partSize) {
          // Full, and more is coming: it is not the last part.
          dispatch(current, filled);
          current = await takeBuffer();
          filled = 0;
        }
        const copied = chunk.copy(
          current,
          filled,
          offset,
          Math.min(chunk.length, offset + partSize - filled),
        );
        filled += copied;
        offset += copied;
      }
    }
    if (partNumber === 0) return { single: current.subarray(0, filled), parts: 0 };
    dispatch(current, filled);
  } catch (error) {
    failure ??= { error };
  }
  await Promise.allSettled([...inFlight]);
  if (failure !== undefined) throw failure.error;
  return { parts: partNumber };
}
