const express = require('express');

const app = express();

app.get('/preview/:id', (req, res) => {
  res.send(`<!doctype html>
<html><body>
<div id="preview" data-id="${encodeURIComponent(req.params.id)}"></div>
<script>window.AUTYPE_KEY = "${process.env.AUTYPE_API_KEY}";</script>
<script src="/preview.js"></script>
</body></html>`);
});

app.listen(process.env.PORT || 3000);
