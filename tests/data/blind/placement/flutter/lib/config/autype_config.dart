class AutypeConfig {
  static const baseUrl = 'https://api.autype.com/api/v1/dev';
  static const apiKey = 'ak_WYRZ1xzZbkLPE2lDlOAk1h2SMlLLwo-maHrR';
  static const timeout = Duration(seconds: 30);
}
