/// File transfer frames (docs/PROTOCOL.md §15.4). Every count and length is checked against
/// `FileLimits` before anything is allocated for it.
extension FrameCodec {
    static func encode(_ frame: FileFrame, into w: inout ByteWriter) {
        switch frame {
        case .offer(let offer):
            w.write(FrameType.fileOffer.rawValue)
            w.write(offer.transfer)
            w.write(offer.size)
            w.write(offer.pieceShift)
            w.write(offer.root)
            w.write(offer.batch.id)
            w.write(offer.batch.index)
            w.write(offer.batch.count)
            w.write(offer.batch.bytes)
            w.write(offer.name.utf8)
        case .answer(let transfer, let accepted):
            w.write(FrameType.fileAnswer.rawValue)
            w.write(transfer)
            w.write(accepted ? UInt8(1) : 0)
        case .hashRequest(let transfer, let first, let count):
            w.write(FrameType.fileHashRequest.rawValue)
            w.write(transfer)
            w.write(first)
            w.write(count)
        case .hashes(let transfer, let first, let hashes):
            w.write(FrameType.fileHashes.rawValue)
            w.write(transfer)
            w.write(first)
            for hash in hashes { w.write(hash) }
        case .request(let transfer, let piece):
            w.write(FrameType.fileRequest.rawValue)
            w.write(transfer)
            w.write(piece)
        case .chunk(let transfer, let piece, let offset, let bytes):
            w.write(FrameType.fileChunk.rawValue)
            w.write(transfer)
            w.write(piece)
            w.write(offset)
            w.write(bytes)
        case .complete(let transfer):
            w.write(FrameType.fileComplete.rawValue)
            w.write(transfer)
        case .cancel(let transfer, let reason):
            w.write(FrameType.fileCancel.rawValue)
            w.write(transfer)
            w.write(reason.rawValue)
        }
    }

    static func decodeFile(_ type: FrameType, _ r: inout ByteReader) throws(WireError) -> FileFrame {
        let transfer = try r.readUInt64()
        switch type {
        case .fileOffer:
            return .offer(try decodeOffer(transfer, &r))
        case .fileAnswer:
            let answer = try r.readUInt8()
            guard answer <= 1 else { throw .malformed(what: "file answer") }
            return .answer(transfer: transfer, accepted: answer == 1)
        case .fileHashRequest:
            let first = try r.readUInt32()
            let count = try r.readUInt16()
            guard count >= 1, Int(count) <= FileLimits.maxHashesPerFrame else {
                throw .malformed(what: "file hash request (count)")
            }
            return .hashRequest(transfer: transfer, first: first, count: count)
        case .fileHashes:
            let first = try r.readUInt32()
            let body = r.readRest()
            guard body.count <= FileLimits.maxHashesPerFrame * 32 else {
                throw .oversized(length: body.count, limit: FileLimits.maxHashesPerFrame * 32)
            }
            guard !body.isEmpty, body.count % 32 == 0 else { throw .malformed(what: "file hashes (length)") }
            let hashes = stride(from: 0, to: body.count, by: 32).map { Array(body[$0..<$0 + 32]) }
            return .hashes(transfer: transfer, first: first, hashes: hashes)
        case .fileRequest:
            return .request(transfer: transfer, piece: try r.readUInt32())
        case .fileChunk:
            let piece = try r.readUInt32()
            let offset = try r.readUInt32()
            let bytes = r.readRest()
            guard bytes.count <= FileLimits.maxChunkBytes else {
                throw .oversized(length: bytes.count, limit: FileLimits.maxChunkBytes)
            }
            guard !bytes.isEmpty else { throw .malformed(what: "file chunk (empty)") }
            return .chunk(transfer: transfer, piece: piece, offset: offset, bytes: bytes)
        case .fileComplete:
            return .complete(transfer: transfer)
        case .fileCancel:
            return .cancel(transfer: transfer, reason: FileCancelReason(wireValue: try r.readUInt8()))
        default:
            throw .malformed(what: "file frame type")
        }
    }

    /// Size within `FileLimits.maxFileSize`, piece shift within `FileLimits.pieceShifts` and at
    /// most `FileLimits.maxPieces` pieces, a 32-byte root, a name of 1 to
    /// `FileLimits.maxNameBytes` bytes of UTF-8 without NUL.
    static func decodeOffer(_ transfer: TransferID, _ r: inout ByteReader) throws(WireError) -> FileOffer {
        let size = try r.readUInt64()
        let shift = try r.readUInt8()
        let root = try r.readBytes(32)
        let batch = FileBatch(id: try r.readUInt64(), index: try r.readUInt32(), count: try r.readUInt32(), bytes: try r.readUInt64())
        let name = r.readRest()
        guard size <= FileLimits.maxFileSize else {
            throw .oversized(length: Int(min(size, UInt64(Int.max))), limit: Int(FileLimits.maxFileSize))
        }
        guard FileLimits.pieceShifts.contains(shift) else { throw .malformed(what: "file offer (piece size)") }
        let offer = FileOffer(transfer: transfer, size: size, pieceShift: shift, root: root, name: "")
        guard offer.pieceCount <= FileLimits.maxPieces else {
            throw .oversized(length: offer.pieceCount, limit: FileLimits.maxPieces)
        }
        guard batch.count >= 1, batch.count <= FileLimits.maxBatchFiles else {
            throw .oversized(length: Int(batch.count), limit: Int(FileLimits.maxBatchFiles))
        }
        guard batch.index < batch.count, size <= batch.bytes, batch.bytes <= FileLimits.maxBatchBytes else {
            throw .malformed(what: "file offer (batch)")
        }
        guard name.count <= FileLimits.maxNameBytes else {
            throw .oversized(length: name.count, limit: FileLimits.maxNameBytes)
        }
        guard !name.isEmpty, !name.contains(0), let text = String(validating: name, as: UTF8.self) else {
            throw .malformed(what: "file offer (name)")
        }
        return FileOffer(transfer: transfer, size: size, pieceShift: shift, root: root, name: text, batch: batch)
    }
}
