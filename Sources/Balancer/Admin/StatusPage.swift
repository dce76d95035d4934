enum StatusPage { static let html = "<html></html>" }
