#if canImport(SwiftUI) && canImport(CoreImage) && os(iOS)
import CoreImage
import CoreImage.CIFilterBuiltins
import KairosDemoCore
import SwiftUI
import UIKit

/// The redeemed offer's token for the till: its QR code (CoreImage's `CIQRCodeGenerator`, no
/// library), what to do with it, and the token as text for a till that takes it typed.
struct TillCodeView: View {
    let code: TillCode
    let done: () -> Void

    var body: some View {
        VStack(spacing: 12) {
            Text(code.title).font(.headline)
            if let image = Self.qrImage(code.qrPayload) {
                Image(uiImage: image).interpolation(.none).resizable().scaledToFit()
                    .frame(maxWidth: 260).accessibilityLabel("QR code for the till")
            } else {
                Text("The QR code could not be drawn: type the code below at the till.")
            }
            Text(code.caption).multilineTextAlignment(.center)
            Text(code.typed).font(.caption2.monospaced()).textSelection(.enabled)
            Button("Done", action: done)
        }
    }

    /// `payload` as a QR code at `TillCode.errorCorrection`, one block of whole pixels per module
    /// (scaled without smoothing, which scanners dislike). CoreImage adds the quiet zone.
    static func qrImage(_ payload: String) -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(payload.utf8)
        filter.correctionLevel = TillCode.errorCorrection
        guard let modules = filter.outputImage else { return nil }
        let scaled = modules.transformed(by: CGAffineTransform(scaleX: 8, y: 8))
        guard let image = CIContext().createCGImage(scaled, from: scaled.extent) else { return nil }
        return UIImage(cgImage: image)
    }
}
#endif
