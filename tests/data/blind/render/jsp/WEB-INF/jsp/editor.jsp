<%@ page contentType="text/html;charset=UTF-8" %>
<%@ taglib prefix="c" uri="http://java.sun.com/jsp/jstl/core" %>
<html>
<body>
<div id="editor"></div>
<script>
  var autypeKey = '<c:out value="${autypeApiKey}"/>';
  var legacyKey = '<%= System.getenv("AUTYPE_API_KEY") %>';
</script>
</body>
</html>
