import 'package:dio/dio.dart';

const _apiKey = String.fromEnvironment('AUTYPE_API_KEY');

class RenderService {
  RenderService() : _dio = Dio(BaseOptions(baseUrl: 'https://api.autype.com/api/v1/dev')) {
    _dio.options.headers['Authorization'] = 'Bearer $_apiKey';
  }

  final Dio _dio;

  Future<List<dynamic>> projects() async {
    final res = await _dio.get<Map<String, dynamic>>('/projects');
    return res.data?['items'] as List<dynamic>? ?? const [];
  }
}
