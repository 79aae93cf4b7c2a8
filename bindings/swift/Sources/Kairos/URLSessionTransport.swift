// The HTTP transport that ships with the Kairos Swift package.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `HttpTransport` that ships with Kairos: `URLSession`, so `sync` uses
/// the system's TLS, trust store, proxies and VPNs.
///
/// Each request gets its own timeout; redirects are not followed and no
/// content encoding is added (the engine gzips summary batches itself).
/// Pass a session of your own to pin certificates or to use a background
/// configuration, or implement `HttpTransport` on another stack.
///
/// ```swift
/// let report = try await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com"),
///                                    transport: URLSessionTransport(), now: Date())
/// ```
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession
    private let noRedirects = NoRedirects()

    /// A transport over `session` (by default an ephemeral session: no
    /// cookies, no cache).
    public init(session: URLSession = URLSession(configuration: .ephemeral)) {
        self.session = session
    }

    /// Sends `request`; any status is an answer, only a missing answer
    /// throws `TransportError`.
    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError.Failed(reason: "not a URL: \(request.url)")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method == .get ? "GET" : "POST"
        urlRequest.timeoutInterval = Double(request.timeoutMs) / 1000
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        if request.method == .post {
            urlRequest.httpBody = request.body
        }
        let (body, response) = try await exchange(urlRequest)
        guard let http = response as? HTTPURLResponse else {
            throw TransportError.Failed(reason: "\(request.url): not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String { headers[name] = "\(value)" }
        }
        return HttpResponse(status: Int32(clamping: http.statusCode), headers: headers, body: body)
    }

    /// One data task, as an `async` call (`URLSession.data(for:)` is not on
    /// every platform Swift runs on).
    private func exchange(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    let method = request.httpMethod ?? "GET"
                    let url = request.url?.absoluteString ?? "?"
                    continuation.resume(throwing: TransportError.Failed(reason: "\(method) \(url): \(error.localizedDescription)"))
                } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: TransportError.Failed(reason: "no response"))
                }
            }
            task.delegate = noRedirects
            task.resume()
        }
    }
}

/// Refuses redirects: the engine talks to one backend, and a redirect is
/// an answer (3xx) it classifies itself.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
